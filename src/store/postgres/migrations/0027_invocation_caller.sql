-- The account that invoked a function when it is not the owner's (another account its policy
-- allowed, app/cross-account.ts): Lambda keeps the caller of an Invoke in CloudTrail; Hangar keeps
-- it in the invocation's record. NULL: the owner's own invocation.
ALTER TABLE function_invocations ADD COLUMN caller_account_id TEXT;
