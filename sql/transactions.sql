--
-- transactions: BEGIN / COMMIT / ROLLBACK and the failed-transaction state
--
BEGIN;
SELECT 1;
COMMIT;
START TRANSACTION;
SELECT 2;
END;
BEGIN TRANSACTION;
SELECT 3;
ROLLBACK;
BEGIN WORK;
ABORT;
BEGIN ISOLATION LEVEL READ COMMITTED;
SHOW transaction_isolation;
COMMIT;
-- no transaction in progress: a warning, not an error
COMMIT;
ROLLBACK;
-- nested BEGIN: a warning, the transaction goes on
BEGIN;
BEGIN;
SELECT 4;
COMMIT;
-- an error aborts the transaction: everything is refused until its end (25P02)
BEGIN;
SELECT 1;
SELECT 1 / 0;
\echo :LAST_ERROR_SQLSTATE
SELECT 1;
\echo :LAST_ERROR_SQLSTATE
SHOW application_name;
SET application_name = 'ignored';
-- COMMIT of a failed transaction rolls it back
COMMIT;
SELECT 'back to normal' AS status;
SHOW application_name;
-- ROLLBACK ends a failed transaction too
BEGIN;
SELECT no_such_column;
SELECT 2;
ROLLBACK;
SELECT 'normal again' AS status;
-- a syntax error inside a transaction also aborts it
BEGIN;
SELEC 1;
SELECT 1;
ROLLBACK;
-- SET is transactional: rolled back with the transaction
SHOW application_name;
BEGIN;
SET application_name = 'inside';
SHOW application_name;
ROLLBACK;
SHOW application_name;
BEGIN;
SET application_name = 'committed';
COMMIT;
SHOW application_name;
RESET application_name;
-- SET LOCAL lasts until the end of the transaction
BEGIN;
SET LOCAL extra_float_digits = 0;
SHOW extra_float_digits;
COMMIT;
SHOW extra_float_digits;
-- SET LOCAL outside a transaction: a warning, no effect
SET LOCAL extra_float_digits = 0;
SHOW extra_float_digits;
-- read-only transactions
BEGIN READ ONLY;
SHOW transaction_read_only;
COMMIT;
SHOW transaction_read_only;
