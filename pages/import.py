"""Import: upload a file, preview it, map its columns, import it as one batch; undo a batch;
download the templates. The work is `hotspots.db.imports.import_file`, as on the command line."""

from __future__ import annotations

import streamlit as st

from hotspots.db.batches import BatchNotFound
from hotspots.db.imports import import_file, list_imports, remembered_mapping, undo_import
from hotspots.ingest.errors import ImportRejected
from hotspots.ingest.mapping import PRESETS, ColumnMapping, header_fingerprint, suggested_columns
from hotspots.ingest.pipeline import ImportFile, read_source, report_csv
from hotspots.ingest.readers import RawTable
from hotspots.ingest.rules import FIELDS, KINDS, LAYER, LOCATION_REQUIRED
from hotspots.ingest.templates import KIND_LABELS, columns_markdown, template_csv, template_name
from hotspots.security.escaping import esc_markdown
from ui import state

NONE = "(not in this file)"
PREVIEW_ROWS = 10
RESULT = "imp_result"
UNDONE = "imp_undone"
#: Fields that often have one value for a whole file, offered as "same value for every row".
CONSTANT_FIELDS = {
    "sightings": ("source_agency", "precision"),
    "people": (),
    "premises": ("category",),
    "areas": ("kind",),
    "layer": ("category",),
}
FILE_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "geojson", "json", "gpkg", "zip"]


@st.cache_data(max_entries=4, show_spinner="Reading the file…")
def _read(name: str, data: bytes) -> RawTable:
    return read_source(ImportFile(name, data))


def _mapping_step(kind: str, raw: RawTable, preset: str | None) -> ColumnMapping:
    """A box per field, filled in from the remembered mapping, the preset or the headings."""
    user = state.current_user()
    remembered = remembered_mapping(state.engine(), user, kind, raw.headers)
    try:
        suggested = suggested_columns(kind, raw.headers, preset=preset, remembered=remembered)
    except ImportRejected:
        suggested = {}
    if remembered is not None:
        st.caption("Filled in from the mapping used last time for files with these headings.")
    key = f"imp_{kind}_{header_fingerprint(kind, raw.headers)}"
    options = [NONE, *raw.headers]
    columns: dict[str, str] = {}
    grid = st.columns(3)
    for position, field in enumerate(FIELDS[kind]):
        required = field.required or (
            kind in LOCATION_REQUIRED and field.name in ("latitude", "longitude")
        )
        chosen = suggested.get(field.name, NONE)
        choice = grid[position % 3].selectbox(
            f"{field.label}{' *' if required else ''}",
            options,
            index=options.index(chosen) if chosen in options else 0,
            help=field.help,
            key=f"{key}_{field.name}",
        )
        if choice != NONE:
            columns[field.name] = choice
    constants = {}
    if CONSTANT_FIELDS[kind]:
        with st.expander("Same value for every row"):
            for name in CONSTANT_FIELDS[kind]:
                field = next(f for f in FIELDS[kind] if f.name == name)
                value = st.text_input(field.label, help=field.help, key=f"{key}_set_{name}")
                if value.strip():
                    constants[name] = value.strip()
                    columns.pop(name, None)
    dropped = st.multiselect(
        "Columns to drop (never read; use it for columns of names, dates of birth, contact"
        " details or addresses)",
        raw.headers,
        key=f"{key}_drop",
    )
    columns = {t: s for t, s in columns.items() if s not in dropped}
    return ColumnMapping(columns, constants, tuple(dropped))


def _run_import(kind: str, upload, mapping: ColumnMapping, options: dict) -> None:
    bar = st.progress(0.0, text="Starting…")

    def progress(stage: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        bar.progress(min(share, 1.0), text=f"{stage.capitalize()}: {done:,} of {total:,} rows")

    try:
        result = import_file(
            state.engine(),
            state.current_user(),
            ImportFile(upload.name, upload.getvalue()),
            kind,
            settings=state.settings(),
            mapping=mapping,
            automatic_mapping=False,
            progress=progress,
            **options,
        )
    except ImportRejected as refusal:
        bar.empty()
        st.session_state[RESULT] = (upload.file_id, "refused", str(refusal), refusal.rejections)
        return
    bar.progress(1.0, text="Done")
    st.session_state[RESULT] = (upload.file_id, "done", result, result.rejections)


def _show_result(upload) -> None:
    outcome = st.session_state.get(RESULT)
    if outcome is None or outcome[0] != upload.file_id:  # only the result of this upload
        return
    _, status, detail, rejections = outcome
    if status == "refused":
        st.error(esc_markdown(detail, keep_newlines=True), icon="⛔")
    elif detail.already_imported is not None:
        st.info(esc_markdown(detail.summary()))
    else:
        st.success(esc_markdown(detail.summary()))
        counts = st.columns(4)
        counts[0].metric("Accepted", f"{detail.accepted:,}")
        counts[1].metric("Rejected", f"{detail.rejected:,}")
        counts[2].metric("Duplicates skipped", f"{detail.duplicate:,}")
        counts[3].metric("Notes redacted", f"{detail.redacted:,}")
    if rejections is not None and len(rejections):
        st.subheader("Rejection report")
        st.dataframe(rejections, hide_index=True, width="stretch")
        st.download_button(
            "Download the rejection report (CSV)",
            report_csv(rejections),
            file_name="import-rejections.csv",
            mime="text/csv",
            key="imp_report",
        )


def _import_tab() -> None:
    kind = st.selectbox("What the file holds", KINDS, format_func=KIND_LABELS.get, key="imp_kind")
    options: dict = {}
    preset = None
    if kind == LAYER:
        left, right = st.columns(2)
        options["layer_name"] = left.text_input("Layer name", "recorded crime", key="imp_layer")
        preset = right.selectbox(
            "Preset", [None, *PRESETS], format_func=lambda p: "none" if p is None else p,
            help="police-uk: street-level crime CSVs from data.police.uk", key="imp_preset",
        )  # fmt: skip
        options["preset"] = preset
    upload = st.file_uploader(
        "File: CSV or XLSX; for premises and areas also GeoJSON, GeoPackage or a zipped Shapefile",
        type=FILE_TYPES,
        key="imp_file",
    )
    if upload is None:
        st.session_state.pop(RESULT, None)
        return
    try:
        raw = _read(upload.name, upload.getvalue())
    except ImportRejected as refusal:
        st.error(esc_markdown(str(refusal)), icon="⛔")
        return
    st.caption(
        esc_markdown(
            f"{upload.name}: {raw.rows_read:,} {raw.row_word}s, {len(raw.headers)} columns."
            f" The first {min(PREVIEW_ROWS, len(raw.frame))} are shown; nothing is stored yet."
        )
    )
    st.dataframe(raw.frame.head(PREVIEW_ROWS), hide_index=True, width="stretch")
    st.subheader("Which column holds what")
    mapping = _mapping_step(kind, raw, preset)
    left, right = st.columns(2)
    options["strict"] = left.checkbox(
        "Strict: import nothing if any row is rejected", key="imp_strict"
    )
    options["redact"] = right.checkbox(
        "Redact identifiers found in notes instead of rejecting those rows", key="imp_redact"
    )
    if st.button("Import", type="primary", key="imp_go"):
        _run_import(kind, upload, mapping, options)
    _show_result(upload)


def _batches_tab() -> None:
    _undo_message()
    user = state.current_user()
    batches = list_imports(state.engine(), user)
    if batches.empty:
        st.info("Nothing has been imported yet.")
        return
    st.dataframe(batches.drop(columns=["sha256"]), hide_index=True, width="stretch")
    live = batches[batches["undone_at"].isna()]
    if live.empty:
        return
    labels = {
        int(row.id): f"{row.id}: {row.kind}, {row.file_name} ({row.accepted:,} rows)"
        for row in live.itertuples()
    }
    chosen = st.selectbox("Batch", list(labels), format_func=labels.get, key="imp_undo_batch")
    if st.button("Undo this batch", key="imp_undo"):
        try:
            removed = undo_import(state.engine(), user, chosen)
        except BatchNotFound as missing:
            st.error(esc_markdown(str(missing)))
            return
        listed = ", ".join(f"{n:,} from {table}" for table, n in removed.items()) or "no rows"
        st.session_state[UNDONE] = f"Batch {chosen} undone: {listed} removed."
        st.rerun()


def _undo_message() -> None:
    message = st.session_state.pop(UNDONE, None)
    if message:
        st.success(esc_markdown(message))


def _templates_tab() -> None:
    st.caption(
        "One CSV per record type, with every column and an example row. Columns marked 'yes'"
        " are required; any other column of a file is ignored unless it holds direct"
        " identifiers, which refuse the file until it is dropped."
    )
    for kind in KINDS:
        st.subheader(KIND_LABELS[kind])
        st.download_button(
            f"Download the {kind} template",
            template_csv(kind),
            file_name=template_name(kind),
            mime="text/csv",
            key=f"imp_template_{kind}",
        )
        st.markdown(columns_markdown(kind))


state.guard_page("import")
st.title("Import")
state.synthetic_banner()
importing, batches_tab, templates = st.tabs(["Import a file", "Batches", "Templates"])
with importing:
    _import_tab()
with batches_tab:
    _batches_tab()
with templates:
    _templates_tab()
