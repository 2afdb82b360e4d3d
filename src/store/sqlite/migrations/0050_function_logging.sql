-- Lambda's LoggingConfig per snapshot (store/function-row.ts): the log format, and with JSON
-- the levels records are kept at. Text (the default) has no levels: NULL.
ALTER TABLE functions ADD COLUMN log_format TEXT NOT NULL DEFAULT 'Text';
ALTER TABLE functions ADD COLUMN application_log_level TEXT;
ALTER TABLE functions ADD COLUMN system_log_level TEXT;
ALTER TABLE function_versions ADD COLUMN log_format TEXT NOT NULL DEFAULT 'Text';
ALTER TABLE function_versions ADD COLUMN application_log_level TEXT;
ALTER TABLE function_versions ADD COLUMN system_log_level TEXT;
