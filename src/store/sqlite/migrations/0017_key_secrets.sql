-- AWS-compatible API (issue 23): a Hangar key is also an AWS credential pair (key id, key), and
-- verifying a SigV4 signature needs the secret itself, not its hash. Each key made from now on
-- keeps its raw key sealed (AES-256-GCM, as users' secrets) under the secrets master key, which
-- never reaches the database; the key's owner and id are the cipher's AAD. Keys made before
-- this migration have none (NULL): they still work as Bearer keys but cannot sign AWS requests.
ALTER TABLE api_keys ADD COLUMN sealed_key TEXT;
