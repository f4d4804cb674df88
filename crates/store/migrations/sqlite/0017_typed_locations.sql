-- What a person or a file typed for a field the account keeps in another form (`California` for
-- the state kept as `CA`): an observation beside the field's provenance, so normalizing never
-- loses what was written. Empty where the value is stored as typed.
ALTER TABLE account_field_sources ADD COLUMN typed TEXT;
