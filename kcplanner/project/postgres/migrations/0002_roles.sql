-- kcplanner team mode, schema version 2: the three roles, their grants and the row-level security
-- policies.  The group roles are cluster-wide (a PostgreSQL role belongs to the server, not to one
-- database): created when missing, shared by every kcplanner database on the server.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'omb_analyst') THEN
        CREATE ROLE omb_analyst NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'department_manager') THEN
        CREATE ROLE department_manager NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'viewer') THEN
        CREATE ROLE viewer NOLOGIN;
    END IF;
END
$$;

-- Is the current login one of the managers of department d?
CREATE FUNCTION my_department(d text) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = kcplanner, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM kcplanner.department_members WHERE login = current_user AND department = d)
$$;

-- Is the login an OMB analyst (or the owner that set the project up)?
CREATE FUNCTION is_omb() RETURNS boolean
    LANGUAGE sql STABLE SET search_path = kcplanner, pg_temp AS $$
    SELECT pg_has_role(session_user, 'omb_analyst', 'MEMBER')
        OR session_user = (SELECT tableowner FROM pg_tables WHERE schemaname = 'kcplanner' AND tablename = 'requests')
$$;

GRANT USAGE ON SCHEMA kcplanner TO omb_analyst, department_manager, viewer;
GRANT SELECT ON ALL TABLES IN SCHEMA kcplanner TO omb_analyst, department_manager, viewer;
REVOKE ALL ON FUNCTION my_department(text), is_omb() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION my_department(text), is_omb() TO omb_analyst, department_manager, viewer;

-- OMB changes everything (but the audit trail, the workflow's rules and who manages what).
GRANT INSERT, UPDATE, DELETE ON meta, sources, mappings, frames, frame_parts, scenarios, requests, narratives,
    positions TO omb_analyst;
-- A department manager writes requests, narratives and positions (the policies say which rows).
GRANT INSERT, UPDATE, DELETE ON requests, narratives, positions TO department_manager;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA kcplanner TO omb_analyst, department_manager;
-- A viewer has SELECT only.

ALTER TABLE requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE narratives ENABLE ROW LEVEL SECURITY;
ALTER TABLE positions ENABLE ROW LEVEL SECURITY;

CREATE POLICY everyone_reads ON requests FOR SELECT USING (true);
CREATE POLICY omb_writes ON requests FOR ALL TO omb_analyst USING (true) WITH CHECK (true);
CREATE POLICY own_department ON requests FOR ALL TO department_manager
    USING (my_department(department)) WITH CHECK (my_department(department));

CREATE POLICY everyone_reads ON narratives FOR SELECT USING (true);
CREATE POLICY omb_writes ON narratives FOR ALL TO omb_analyst USING (true) WITH CHECK (true);
CREATE POLICY own_department ON narratives FOR ALL TO department_manager
    USING (my_department(department)) WITH CHECK (my_department(department));

CREATE POLICY everyone_reads ON positions FOR SELECT USING (true);
CREATE POLICY omb_writes ON positions FOR ALL TO omb_analyst USING (true) WITH CHECK (true);
CREATE POLICY own_department ON positions FOR ALL TO department_manager
    USING (my_department(department)) WITH CHECK (my_department(department));
