--
-- prepare: SQL-level PREPARE / EXECUTE / DEALLOCATE and DISCARD ALL
--
PREPARE double_it(int) AS SELECT $1 * 2 AS doubled;
EXECUTE double_it(21);
EXECUTE double_it(-4);
EXECUTE double_it('7');
EXECUTE double_it('seven');
EXECUTE double_it(1, 2);
EXECUTE double_it;
PREPARE double_it(int) AS SELECT 1;
PREPARE two_params(int, text) AS SELECT $2 || ':' || $1 AS label, $1 + 1 AS next;
EXECUTE two_params(1, 'a');
EXECUTE two_params(NULL, 'b');
-- a parameter whose type the server infers
PREPARE inferred AS SELECT $1 + 1 AS n;
EXECUTE inferred(41);
-- in a failed transaction, EXECUTE is refused like anything else
BEGIN;
SELECT 1 / 0;
EXECUTE double_it(1);
ROLLBACK;
DEALLOCATE double_it;
EXECUTE double_it(1);
DEALLOCATE double_it;
DEALLOCATE PREPARE two_params;
PREPARE again AS SELECT 'again' AS word;
DEALLOCATE ALL;
EXECUTE again;
EXECUTE inferred(1);
-- DISCARD ALL resets session state
SET application_name = 'discard me';
PREPARE gone AS SELECT 1;
DISCARD ALL;
SHOW application_name;
EXECUTE gone;
-- client_min_messages hides warnings below it
SET client_min_messages = error;
COMMIT;
RESET client_min_messages;
COMMIT;
