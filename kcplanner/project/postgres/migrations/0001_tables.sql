-- kcplanner team mode, schema version 1: the tables.  Everything lives in the schema `kcplanner`
-- of the city's database; migrate.py runs this file in one transaction with search_path = kcplanner.

CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);

-- The workbooks the data came from, and the import mappings (as in the .kcplan file).
CREATE TABLE sources (position int PRIMARY KEY, role text NOT NULL, path text NOT NULL, relative text,
                      sha256 text, size bigint, modified text);
CREATE TABLE mappings (position int PRIMARY KEY, mapping text NOT NULL);

-- The imported tables that only OMB changes (line items, amounts, the plan, actuals), stored
-- column-wise exactly as in the .kcplan file (kcplanner/project/frames.py).
CREATE TABLE frames (name text PRIMARY KEY, spec text NOT NULL, parts int NOT NULL, digest text NOT NULL);
CREATE TABLE frame_parts (frame text NOT NULL REFERENCES frames (name) ON DELETE CASCADE, part int NOT NULL,
                          data bytea NOT NULL, PRIMARY KEY (frame, part));

-- Which departments a department manager's login may change.
CREATE TABLE department_members (login text NOT NULL, department text NOT NULL, PRIMARY KEY (login, department));

CREATE TABLE scenarios (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    name_key text NOT NULL UNIQUE,            -- the name case-folded, spaces collapsed
    position double precision NOT NULL,
    data jsonb NOT NULL,                      -- SPEC's scenario JSON
    version int NOT NULL DEFAULT 1,
    created timestamptz NOT NULL DEFAULT clock_timestamp(),
    modified timestamptz NOT NULL DEFAULT clock_timestamp(),
    modified_by text NOT NULL DEFAULT session_user);

-- The request workflow's states and moves (who may make each move: the request's department or OMB).
CREATE TABLE request_statuses (status text PRIMARY KEY, position int NOT NULL UNIQUE);
CREATE TABLE workflow_moves (from_status text NOT NULL REFERENCES request_statuses,
                             to_status text NOT NULL REFERENCES request_statuses,
                             made_by text NOT NULL CHECK (made_by IN ('department', 'omb')),
                             needs_comment boolean NOT NULL DEFAULT false,
                             PRIMARY KEY (from_status, to_status));
INSERT INTO request_statuses VALUES ('Draft', 1), ('Submitted', 2), ('Under review', 3), ('Recommended', 4),
    ('Not recommended', 5), ('Adopted', 6), ('Not adopted', 7), ('Returned', 8);
INSERT INTO workflow_moves VALUES
    ('Draft', 'Submitted', 'department', false),
    ('Submitted', 'Under review', 'omb', false),
    ('Under review', 'Recommended', 'omb', false),
    ('Under review', 'Not recommended', 'omb', false),
    ('Recommended', 'Adopted', 'omb', false),
    ('Recommended', 'Not adopted', 'omb', false),
    ('Not recommended', 'Adopted', 'omb', false),
    ('Not recommended', 'Not adopted', 'omb', false),
    ('Submitted', 'Returned', 'omb', true),
    ('Under review', 'Returned', 'omb', true),
    ('Recommended', 'Returned', 'omb', true),
    ('Not recommended', 'Returned', 'omb', true),
    ('Returned', 'Draft', 'department', false);

-- A department's rows: requests (budget.requests + their yearly costs), narratives, positions.
CREATE TABLE requests (
    request_id text PRIMARY KEY,
    row_order int NOT NULL,
    department text NOT NULL,
    program text, fund text, title text, type text, account_class text, recurring boolean,
    fte double precision, justification text, kpi_id text, rank double precision,
    source_file text, source_sheet text, source_row bigint,
    costs jsonb NOT NULL DEFAULT '{}',        -- {"2027": 1104000.0, …}; null = blank
    status text NOT NULL DEFAULT 'Draft' REFERENCES request_statuses,
    version int NOT NULL DEFAULT 1,
    modified timestamptz NOT NULL DEFAULT clock_timestamp(),
    modified_by text NOT NULL DEFAULT session_user);
CREATE INDEX requests_department ON requests (department, status, rank);

CREATE TABLE narratives (
    request_id text PRIMARY KEY REFERENCES requests ON UPDATE CASCADE ON DELETE CASCADE,
    department text NOT NULL,
    data jsonb NOT NULL,                      -- JustificationNarrative.to_dict()
    version int NOT NULL DEFAULT 1,
    modified timestamptz NOT NULL DEFAULT clock_timestamp(),
    modified_by text NOT NULL DEFAULT session_user);

CREATE TABLE positions (
    id bigserial PRIMARY KEY,
    row_order int NOT NULL,
    department text NOT NULL,
    program text, title text, fte double precision, cost_per_fte double precision,
    version int NOT NULL DEFAULT 1,
    modified timestamptz NOT NULL DEFAULT clock_timestamp(),
    modified_by text NOT NULL DEFAULT session_user);

-- The audit trail, append-only: written only by the triggers (nobody has INSERT on it).
CREATE TABLE edits (
    seq bigserial PRIMARY KEY,
    time timestamptz NOT NULL DEFAULT clock_timestamp(),
    "user" text NOT NULL DEFAULT session_user,
    host text NOT NULL DEFAULT '',
    session text NOT NULL DEFAULT '',
    scenario text, scenario_id bigint,
    department text, request_id text,
    action text NOT NULL,
    description text NOT NULL,
    version int,
    before jsonb, after jsonb);
CREATE INDEX edits_scenario ON edits (scenario_id);

-- Every move of a request through the workflow, with who, when and the comment.
CREATE TABLE request_moves (
    seq bigserial PRIMARY KEY,
    request_id text NOT NULL,
    department text NOT NULL,
    from_status text NOT NULL,
    to_status text NOT NULL,
    moved_by text NOT NULL DEFAULT session_user,
    moved_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    comment text NOT NULL DEFAULT '',
    version int NOT NULL);
CREATE INDEX request_moves_request ON request_moves (request_id);
