-- 0001_initial.sql - kiln metastore schema, version 1.
--
-- One dialect subset that SQLite 3 and MariaDB 10.3+ both accept. The only
-- per-backend text is the token @TABLE_OPTIONS@ after each CREATE TABLE:
-- empty on SQLite; on MariaDB "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
-- COLLATE=utf8mb4_bin", so names compare byte-wise on both backends (as
-- PostgreSQL identifiers do). Statements end with ";" at the end of a line.
-- Every statement is idempotent (IF NOT EXISTS) because MariaDB commits DDL
-- implicitly: a migration cut short is simply run again.
--
-- Conventions: every entity row has id (allocated from meta_counters 'oid',
-- so ids double as PostgreSQL OIDs), version (compare-and-set), created and
-- modified (ms since the epoch). Child rows (columns, joins, dimensions...)
-- belong to their parent's version: they are rewritten with it. No foreign
-- key constraints: SQLite ignores them unless asked, and the metastore code
-- deletes children itself in the same transaction.

CREATE TABLE IF NOT EXISTS meta_counters (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
) @TABLE_OPTIONS@;

-- Append-only event log. id comes from meta_counters 'event' under the row
-- lock every writing transaction holds until commit, so ids are in commit
-- order and a reader that has seen id N never later finds a new id below N.
CREATE TABLE IF NOT EXISTS meta_events (
    id BIGINT NOT NULL PRIMARY KEY,
    entity VARCHAR(64) NOT NULL,
    entity_key VARCHAR(255) NOT NULL,
    action VARCHAR(16) NOT NULL,
    entity_version BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    origin VARCHAR(255) NOT NULL,
    txn VARCHAR(40) NOT NULL
) @TABLE_OPTIONS@;
CREATE INDEX IF NOT EXISTS meta_events_txn ON meta_events (txn);

CREATE TABLE IF NOT EXISTS meta_schemas (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    owner VARCHAR(255),
    UNIQUE (name)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_servers (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    wrapper VARCHAR(255),
    UNIQUE (name)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_server_options (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    name VARCHAR(255) NOT NULL,
    value LONGTEXT,
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

-- Source tables: foreign tables over files (file_fdw style) and, later, others.
CREATE TABLE IF NOT EXISTS meta_tables (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    schema_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    server_id BIGINT NOT NULL,
    UNIQUE (schema_id, name)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_table_columns (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    name VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    typmod INTEGER NOT NULL,
    not_null INTEGER NOT NULL,
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_table_options (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    name VARCHAR(255) NOT NULL,
    value LONGTEXT,
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

-- Models: one fact table, lookup tables joined to it (star or snowflake).
CREATE TABLE IF NOT EXISTS meta_models (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    schema_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    fact_table_id BIGINT NOT NULL,
    partition_column VARCHAR(255),
    filter_condition LONGTEXT,
    UNIQUE (schema_id, name)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_model_tables (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    alias VARCHAR(255) NOT NULL,
    table_id BIGINT NOT NULL,
    kind VARCHAR(16) NOT NULL,
    join_type VARCHAR(16),
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_model_joins (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    alias VARCHAR(255) NOT NULL,
    fk_column VARCHAR(255) NOT NULL,
    pk_column VARCHAR(255) NOT NULL,
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

-- Cubes: dimensions, measures, aggregation groups and options of a model.
CREATE TABLE IF NOT EXISTS meta_cubes (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    schema_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    model_id BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    definition LONGTEXT,
    UNIQUE (schema_id, name)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_cube_dimensions (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    name VARCHAR(255) NOT NULL,
    table_alias VARCHAR(255) NOT NULL,
    column_name VARCHAR(255) NOT NULL,
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_cube_measures (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    name VARCHAR(255) NOT NULL,
    func VARCHAR(64) NOT NULL,
    argument LONGTEXT,
    return_type VARCHAR(255),
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

-- One row per dimension per aggregation group: role is include, mandatory,
-- hierarchy or joint; set_no numbers the hierarchy or joint set inside the
-- group, and the row order (pos) is the order within a hierarchy.
CREATE TABLE IF NOT EXISTS meta_cube_aggs (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    group_no INTEGER NOT NULL,
    role VARCHAR(16) NOT NULL,
    set_no INTEGER NOT NULL,
    dimension VARCHAR(255) NOT NULL,
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_cube_options (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    name VARCHAR(255) NOT NULL,
    value LONGTEXT,
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_segments (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    cube_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    range_start BIGINT NOT NULL,
    range_end BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    storage_path LONGTEXT,
    size_bytes BIGINT NOT NULL,
    input_rows BIGINT NOT NULL,
    job_id BIGINT NOT NULL,
    fencing_token BIGINT NOT NULL,
    UNIQUE (cube_id, name)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_jobs (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    cube_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    segment_id BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    owner_node VARCHAR(255),
    fencing_token BIGINT NOT NULL,
    submitter VARCHAR(255),
    params LONGTEXT,
    error LONGTEXT,
    started BIGINT NOT NULL,
    finished BIGINT NOT NULL,
    UNIQUE (name)
) @TABLE_OPTIONS@;
CREATE INDEX IF NOT EXISTS meta_jobs_cube ON meta_jobs (cube_id);
CREATE INDEX IF NOT EXISTS meta_jobs_status ON meta_jobs (status);

-- Job steps are rows of their own (own version) so a step's progress and
-- output can be written without rewriting the job.
CREATE TABLE IF NOT EXISTS meta_job_steps (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    job_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    step_no INTEGER NOT NULL,
    status VARCHAR(16) NOT NULL,
    started BIGINT NOT NULL,
    finished BIGINT NOT NULL,
    output LONGTEXT,
    UNIQUE (job_id, name)
) @TABLE_OPTIONS@;

-- Users and roles, as PostgreSQL has them: a user is a role that can log in.
CREATE TABLE IF NOT EXISTS meta_roles (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    can_login INTEGER NOT NULL,
    superuser INTEGER NOT NULL,
    secret LONGTEXT,
    UNIQUE (name)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_role_members (
    parent_id BIGINT NOT NULL,
    pos INTEGER NOT NULL,
    member_of VARCHAR(255) NOT NULL,
    PRIMARY KEY (parent_id, pos)
) @TABLE_OPTIONS@;

CREATE TABLE IF NOT EXISTS meta_nodes (
    id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    created BIGINT NOT NULL,
    modified BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    mode VARCHAR(16) NOT NULL,
    pg_address VARCHAR(255),
    status VARCHAR(16) NOT NULL,
    heartbeat BIGINT NOT NULL,
    UNIQUE (name)
) @TABLE_OPTIONS@;
