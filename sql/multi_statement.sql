--
-- multi_statement: several statements in one Query message (psql sends
-- text joined with \; as one message) and several statements on one line
--
SELECT 1; SELECT 2; SELECT 3;
SELECT 1 AS a \; SELECT 2 AS b \; SELECT 3 AS c;
SELECT 'one' \; SELECT 'two', 'three';
-- an error stops the rest of the message; earlier results were sent
SELECT 1 AS before \; SELECT 1 / 0 \; SELECT 3 AS never;
\echo :LAST_ERROR_SQLSTATE
-- a message without BEGIN is one implicit transaction: the error undoes the SET
SET application_name = 'implicit' \; SELECT 1 / 0;
SHOW application_name;
-- unless the message commits explicitly in between
SET application_name = 'kept' \; COMMIT \; SELECT 1 / 0;
SHOW application_name;
RESET application_name;
-- explicit transaction blocks inside one message
BEGIN \; SELECT 'in block' \; COMMIT;
BEGIN \; SET application_name = 'rolled back' \; ROLLBACK;
SHOW application_name;
-- a message that leaves a transaction open
BEGIN \; SELECT 'open';
SELECT 'still open';
COMMIT;
-- a failed transaction refuses a whole message
BEGIN;
SELECT 1 / 0;
SELECT 1 \; SELECT 2;
ROLLBACK \; SELECT 'after rollback';
-- empty statements between semicolons
SELECT 1 \; \; SELECT 2;
;
SELECT 'done' AS status;
