-- String functions and pattern matching: LIKE, ILIKE, regular expressions.

-- q252: length functions
SELECT c_custkey, length(c_address) AS l, char_length(c_name) AS cl, octet_length(c_city) AS ol
FROM customer WHERE c_custkey <= 8 ORDER BY 1;

-- q253: upper lower initcap
SELECT p_partkey, upper(p_name) AS u, lower(p_mfgr) AS l, initcap(p_name) AS i FROM part WHERE p_partkey <= 6 ORDER BY 1;

-- q254: substr and substring
SELECT c_custkey, substr(c_name, 10) AS num, substr(c_phone, 1, 2) AS cc, substring(c_city FROM 1 FOR 9) AS nat
FROM customer WHERE c_custkey <= 6 ORDER BY 1;

-- q255: position and strpos
SELECT p_partkey, position(' ' IN p_name) AS sp, strpos(p_type, 'STEEL') AS st FROM part WHERE p_partkey <= 10 ORDER BY 1;

-- q256: replace and translate
SELECT s_suppkey, replace(s_phone, '-', '') AS digits, translate(s_city, 'AEIOU', 'aeiou') AS t FROM supplier ORDER BY 1;

-- q257: trim functions on addresses with spaces
SELECT c_custkey, '[' || trim(c_address) || ']' AS t, '[' || ltrim(c_address) || ']' AS l, '[' || rtrim(c_city) || ']' AS r
FROM customer WHERE c_custkey <= 12 ORDER BY 1;

-- q258: trim of given characters
SELECT trim(BOTH 'x' FROM 'xxabcxx') AS a, trim(LEADING '0' FROM '000120') AS b, rtrim('abc...', '.') AS c, btrim('  a b  ') AS d;

-- q259: lpad and rpad
SELECT s_suppkey, lpad(s_suppkey::text, 5, '0') AS l, rpad(s_nation, 12, '.') AS r, lpad('abcdef', 3) AS cut FROM supplier ORDER BY 1;

-- q260: left and right
SELECT c_custkey, left(c_name, 8) AS l, right(c_phone, 4) AS r, left(c_city, -1) AS lm FROM customer WHERE c_custkey <= 5 ORDER BY 1;

-- q261: concatenation operators and functions
SELECT s_suppkey, s_city || '/' || s_nation AS a, concat(s_suppkey, ':', s_region) AS b, concat_ws(', ', s_name, s_phone) AS c
FROM supplier ORDER BY 1;

-- q262: concatenating numbers and text
SELECT 'key ' || c_custkey AS a, c_custkey || '' AS b, 1 || '2' || 'x' AS c FROM customer WHERE c_custkey <= 3 ORDER BY c_custkey;

-- q263: split_part
SELECT p_partkey, split_part(p_type, ' ', 1) AS a, split_part(p_type, ' ', 3) AS c, split_part(p_container, ' ', 5) AS none
FROM part WHERE p_partkey <= 6 ORDER BY 1;

-- q264: reverse and repeat
SELECT reverse(s_name) AS r, repeat('ab', s_suppkey % 4) AS rep FROM supplier WHERE s_suppkey <= 5 ORDER BY s_suppkey;

-- q265: LIKE with prefix
SELECT count(*) FROM part WHERE p_name LIKE 'green%';

-- q266: LIKE with infix and suffix
SELECT p_partkey, p_name FROM part WHERE p_name LIKE '%ros%' AND p_type LIKE '%BRASS' ORDER BY 1;

-- q267: LIKE with underscore
SELECT DISTINCT c_city FROM customer WHERE c_city LIKE 'UNITED __1' ORDER BY 1;

-- q268: NOT LIKE
SELECT count(*) FROM customer WHERE c_phone NOT LIKE '1%';

-- q269: ILIKE
SELECT p_partkey, p_name FROM part WHERE p_name ILIKE 'BLUE%' ORDER BY 1 LIMIT 10;

-- q270: LIKE with an escape
SELECT 'a%b' LIKE 'a\%b' AS a, 'axb' LIKE 'a\%b' AS b, 'a_b' LIKE 'a#_b' ESCAPE '#' AS c, '50%' LIKE '%!%' ESCAPE '!' AS d;

-- q271: LIKE on a brand with #
SELECT count(*) FROM part WHERE p_brand1 LIKE 'MFGR#22%';

-- q272: regular expression match
SELECT count(*) FROM customer WHERE c_address ~ '^[0-9]';

-- q273: case-insensitive regex and negation
SELECT count(*) FILTER (WHERE c_address ~* 'ab') AS ci, count(*) FILTER (WHERE c_address !~ '[aeiou]') AS no_vowel FROM customer;

-- q274: regexp_replace
SELECT s_suppkey, regexp_replace(s_phone, '[0-9]', '#', 'g') AS masked, regexp_replace(s_name, '#0+', '#') AS short FROM supplier ORDER BY 1;

-- q275: starts_with and string comparison
SELECT count(*) FILTER (WHERE starts_with(c_city, 'UNITED')) AS u, count(*) FILTER (WHERE c_city >= 'M') AS m FROM customer;

-- q276: md5 of a text
SELECT s_suppkey, md5(s_name) FROM supplier WHERE s_suppkey <= 3 ORDER BY 1;

-- q277: ascii and chr
SELECT ascii(c_nation) AS a, chr(ascii(c_nation) + 1) AS c, c_nation FROM customer WHERE c_custkey <= 4 ORDER BY c_custkey;

-- q278: format
SELECT format('%s-%s', s_suppkey, s_nation) AS f, format('%5s|%-5s|', 'ab', 'cd') AS g FROM supplier WHERE s_suppkey <= 3 ORDER BY s_suppkey;

-- q279: string aggregation by group with a separator
SELECT p_mfgr, string_agg(DISTINCT p_category, '+' ORDER BY p_category) FROM part GROUP BY p_mfgr ORDER BY 1;

-- q280: group by a substring
SELECT substr(c_phone, 1, 2) AS cc, count(*) FROM customer GROUP BY 1 ORDER BY 1;

-- q281: string functions on the date names
SELECT DISTINCT d_month, length(d_month) AS l, upper(left(d_month, 3)) AS abbr FROM dates ORDER BY 1;

-- q282: text equality is exact (trailing spaces matter)
SELECT count(*) FROM customer WHERE c_city = 'CHINA    3' OR c_city = 'CHINA 3';

-- q283: overlay and quote functions
SELECT overlay('Txxxxas' PLACING 'hom' FROM 2 FOR 4) AS o, quote_literal('it''s') AS ql, quote_ident('A b') AS qi;

-- q284: string comparison in ORDER BY with mixed case and digits
SELECT v FROM (VALUES ('b'), ('B'), ('a'), ('10'), ('9'), (' z'), ('')) AS t(v) ORDER BY v;
