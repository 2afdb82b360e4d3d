-- HTTP APIs are served by id alone (`/http/{apiId}/...`, `{apiId}.execute-api.<domain>`), so an id
-- names one API across all users: a unique index, which is also the request's lookup.
CREATE UNIQUE INDEX http_apis_api_id ON http_apis (api_id);
