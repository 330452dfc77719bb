"""Import: read files, map their columns, validate, guard identifiers, load as one batch.

`rules` is the one implementation of field validation (the forms use it too); `identifiers`
finds direct identifiers in column names, contents and free text; `tokens` turns vehicle
registrations into keyed tokens. `readers`, `mapping` and `pipeline` prepare a file for
`hotspots.db.imports`, which loads it in one transaction on behalf of a user.
"""

from hotspots.ingest.errors import ImportRejected

__all__ = ["ImportRejected"]
