-- Small results (seed 000's detailedResults) kept in the row; large ones stay in the blob store.
ALTER TABLE tasks ADD COLUMN result TEXT;
