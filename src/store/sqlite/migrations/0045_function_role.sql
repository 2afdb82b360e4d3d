-- The execution role Lambda's API was given (CreateFunction's Role), per snapshot
-- (store/function-row.ts): kept to be answered back, so that tools which compare what they
-- sent with what they read (Terraform's aws_lambda_function) see no change. NULL: none given.
ALTER TABLE functions ADD COLUMN role TEXT;
ALTER TABLE function_versions ADD COLUMN role TEXT;
