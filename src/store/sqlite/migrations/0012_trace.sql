-- Traces (issue 7): the W3C traceparent of the span that submitted the task, so a worker's
-- spans for it join the same trace, in whichever process or host runs it.
ALTER TABLE tasks ADD COLUMN trace_parent TEXT;
