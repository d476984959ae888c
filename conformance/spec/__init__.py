"""The pinned AWS facts: botocore model, status table, behaviour facts, JSON Schemas."""
