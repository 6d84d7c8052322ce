--
-- expressions: constant expressions of the core types
--
-- integers
SELECT 2 + 3, 2 - 3, 2 * 3, 7 / 2, 7 % 3, -7 / 2, -7 % 3;
SELECT 2 + 3 * 4, (2 + 3) * 4, 2 ^ 10, 10 - 2 - 3;
SELECT 2147483647 AS int4_max, 2147483648 AS int8_literal, 9223372036854775807 AS int8_max;
SELECT 9223372036854775808 AS numeric_literal;
SELECT 2147483647 + 1;
SELECT 2147483647::int8 + 1;
SELECT 1 / 0;
SELECT 1 % 0;
SELECT abs(-5), abs(5);
-- numeric
SELECT 1.5, 1.50, 0.1 + 0.2, 1.5 * 2, 10.0 / 3, -1.5;
SELECT 1.0 / 0;
SELECT round(2.5), round(3.14159, 2), trunc(-2.7), ceil(2.1), floor(-2.1);
SELECT 1e3, 1.5e-3, 123456789012345678901234567890.123;
-- floating point
SELECT 1.5::float8, 0.1::float8 + 0.2::float8, 1.0::float8 / 3, '1e300'::float8 * 10;
SELECT 1.5::float4, 0.1::float4, 'NaN'::float8, 'Infinity'::float8, '-Infinity'::float8;
SELECT 1.0::float8 / 0;
-- text
SELECT 'abc' || 'def', 'abc' || 1, 1 || 'abc';
SELECT length('hello'), upper('hello'), lower('HELLO'), substr('hello', 2, 3);
SELECT 'it''s' AS quoted, E'tab\there' AS escaped, $$dollar 'quoted'$$ AS dollar;
SELECT 'abc' = 'abc', 'abc' < 'abd', 'a' <> 'b';
-- booleans and three-valued logic
SELECT true AND NULL, false AND NULL, true OR NULL, false OR NULL, NOT true;
SELECT 1 < 2, 1 = 1, 1 <> 1, 1 >= 2, 2 BETWEEN 1 AND 3, 5 IN (1, 2, 3), 2 IN (1, 2, 3);
SELECT NULL = NULL, NULL IS NULL, 1 IS NOT NULL, NULL IS DISTINCT FROM 1, 1 IS NOT DISTINCT FROM 1;
-- NULL propagation
SELECT 1 + NULL, NULL || 'a', coalesce(NULL, 2, 3), nullif(1, 1), nullif(1, 2);
-- CASE
SELECT CASE WHEN 1 > 2 THEN 'yes' ELSE 'no' END;
SELECT CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END, CASE 3 WHEN 1 THEN 'one' END;
-- casts
SELECT '42'::int, 42::text, '3.5'::numeric, 3.7::int, '-3.5'::numeric::int, 'true'::boolean, 1::boolean;
SELECT CAST('12' AS integer) + 1, CAST(1.25 AS numeric(4,1));
SELECT 'abc'::int;
SELECT '99999999999'::int;
SELECT greatest(1, 5, 3), least(1, 5, 3), greatest('a', 'c', 'b');
