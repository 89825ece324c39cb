-- kcplanner team mode, schema version 3: what the database itself enforces on every change,
-- whoever makes it and however (the app, psql, a script): versions, the request workflow, the
-- read-only submitted request, the audit trail and the change notifications.

-- Is `login` one of the managers of department d?  (my_department() is this for current_user.)
CREATE FUNCTION department_member(login text, d text) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = kcplanner, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM kcplanner.department_members m WHERE m.login = $1 AND m.department = $2)
$$;
REVOKE ALL ON FUNCTION department_member(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION department_member(text, text) TO omb_analyst, department_manager, viewer;

-- Every saved row gets the next version, the time and the login: nobody can forge them.
CREATE FUNCTION stamp_version() RETURNS trigger
    LANGUAGE plpgsql SET search_path = kcplanner, pg_temp AS $$
DECLARE
    bookkeeping text[] := ARRAY['position', 'row_order', 'version', 'modified', 'modified_by'];
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - bookkeeping) = (to_jsonb(OLD) - bookkeeping) THEN
        -- only the order changed (a scenario moved in the list): the same version
        NEW.version := OLD.version;
        NEW.modified := OLD.modified;
        NEW.modified_by := OLD.modified_by;
        RETURN NEW;
    END IF;
    NEW.version := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE OLD.version + 1 END;
    NEW.modified := clock_timestamp();
    NEW.modified_by := session_user;
    RETURN NEW;
END
$$;

CREATE TRIGGER stamp_version BEFORE INSERT OR UPDATE ON scenarios FOR EACH ROW EXECUTE FUNCTION stamp_version();
CREATE TRIGGER stamp_version BEFORE INSERT OR UPDATE ON requests FOR EACH ROW EXECUTE FUNCTION stamp_version();
CREATE TRIGGER stamp_version BEFORE INSERT OR UPDATE ON narratives FOR EACH ROW EXECUTE FUNCTION stamp_version();
CREATE TRIGGER stamp_version BEFORE INSERT OR UPDATE ON positions FOR EACH ROW EXECUTE FUNCTION stamp_version();

-- A narrative belongs to its request's department.
CREATE FUNCTION narrative_department() RETURNS trigger
    LANGUAGE plpgsql SET search_path = kcplanner, pg_temp AS $$
BEGIN
    NEW.department := (SELECT r.department FROM requests r WHERE r.request_id = NEW.request_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER narrative_department BEFORE INSERT OR UPDATE ON narratives
    FOR EACH ROW EXECUTE FUNCTION narrative_department();

-- The request workflow: only the moves in workflow_moves, each by the right side; a request is
-- its department's to change only as a Draft; every move recorded in request_moves.  SECURITY
-- DEFINER so that it can write request_moves, which nobody else may; the login is session_user.
CREATE FUNCTION request_rules() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = kcplanner, pg_temp AS $$
DECLARE
    omb boolean := is_omb();
    rule workflow_moves%ROWTYPE;
    note text := coalesce(current_setting('kcplanner.comment', true), '');
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT omb AND NEW.status <> 'Draft' THEN
            RAISE EXCEPTION 'request %: a department creates its requests as a Draft, not %', NEW.request_id,
                NEW.status USING ERRCODE = 'KC003';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF NOT omb AND OLD.status <> 'Draft' THEN
            RAISE EXCEPTION 'request % is %: read-only to its department, which deletes only Drafts', OLD.request_id,
                OLD.status USING ERRCODE = 'KC003';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        SELECT * INTO rule FROM workflow_moves WHERE from_status = OLD.status AND to_status = NEW.status;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'request %: % → % is not a move of the workflow', OLD.request_id, OLD.status,
                NEW.status USING ERRCODE = 'KC001';
        END IF;
        IF rule.made_by = 'omb' AND NOT omb THEN
            RAISE EXCEPTION 'request %: only OMB moves a request from % to %', OLD.request_id, OLD.status,
                NEW.status USING ERRCODE = 'KC002';
        END IF;
        IF rule.made_by = 'department' AND NOT department_member(session_user, OLD.department) THEN
            RAISE EXCEPTION 'request %: only a manager of % moves it from % to %', OLD.request_id, OLD.department,
                OLD.status, NEW.status USING ERRCODE = 'KC002';
        END IF;
        IF rule.needs_comment AND btrim(note) = '' THEN
            RAISE EXCEPTION 'request %: say why when moving it to %', OLD.request_id, NEW.status
                USING ERRCODE = 'KC004';
        END IF;
        INSERT INTO request_moves (request_id, department, from_status, to_status, comment, version)
            VALUES (NEW.request_id, NEW.department, OLD.status, NEW.status, note, OLD.version + 1);
    ELSIF NOT omb AND OLD.status <> 'Draft' THEN
        RAISE EXCEPTION 'request % is %: read-only to its department until OMB returns it', OLD.request_id,
            OLD.status USING ERRCODE = 'KC003';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER request_rules BEFORE INSERT OR UPDATE OR DELETE ON requests
    FOR EACH ROW EXECUTE FUNCTION request_rules();

-- A department's narratives follow its request: changed only while the request is a Draft.
CREATE FUNCTION narrative_rules() RETURNS trigger
    LANGUAGE plpgsql SET search_path = kcplanner, pg_temp AS $$
DECLARE
    rid text := CASE WHEN TG_OP = 'DELETE' THEN OLD.request_id ELSE NEW.request_id END;
    st text := (SELECT r.status FROM requests r WHERE r.request_id = rid);
BEGIN
    IF NOT is_omb() AND st IS NOT NULL AND st <> 'Draft' THEN
        RAISE EXCEPTION 'request % is %: its justification is read-only to its department until OMB returns it',
            rid, st USING ERRCODE = 'KC003';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER narrative_rules BEFORE INSERT OR UPDATE OR DELETE ON narratives
    FOR EACH ROW EXECUTE FUNCTION narrative_rules();

-- One audit row (edits) and one notification per changed row.  The app may say what changed in
-- words (SET LOCAL kcplanner.description), and who it is (kcplanner.host, kcplanner.session);
-- the login and the time come from the server.
CREATE FUNCTION audit_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = kcplanner, pg_temp AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    r jsonb := coalesce(new_row, old_row);
    said text := nullif(current_setting('kcplanner.description', true), '');
    act text;
    what text;
    b jsonb := old_row;
    a jsonb := new_row;
    key text;
    n bigint;
    bookkeeping text[] := ARRAY['position', 'row_order'];
BEGIN
    IF TG_OP = 'UPDATE' AND (old_row - bookkeeping) = (new_row - bookkeeping) THEN
        -- only the order changed (the app records the move once): tell the windows, no audit row
        PERFORM pg_notify('kcplanner', json_build_object('table', TG_TABLE_NAME, 'action', 'order',
                                                         'user', session_user)::text);
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'scenarios' THEN
        b := old_row -> 'data';
        a := new_row -> 'data';
        key := r ->> 'name';
        act := CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'DELETE' THEN 'delete' ELSE
                   CASE WHEN old_row ->> 'name' IS DISTINCT FROM new_row ->> 'name'
                             AND (b - 'name') = (a - 'name') THEN 'rename' ELSE 'update' END END;
        what := CASE act WHEN 'create' THEN format('Created scenario ''%s''', key)
                         WHEN 'delete' THEN format('Deleted scenario ''%s''', key)
                         WHEN 'rename' THEN format('Renamed scenario ''%s'' → ''%s''', old_row ->> 'name', key)
                         ELSE format('Changed scenario ''%s''', key) END;
    ELSE
        key := coalesce(r ->> 'request_id', r ->> 'title');
        act := 'data';
        IF TG_TABLE_NAME = 'requests' AND TG_OP = 'UPDATE'
                AND old_row ->> 'status' IS DISTINCT FROM new_row ->> 'status' THEN
            act := 'move';
            what := format('Moved request %s from %s to %s', key, old_row ->> 'status', new_row ->> 'status');
            IF coalesce(current_setting('kcplanner.comment', true), '') <> '' THEN
                what := what || ': ' || current_setting('kcplanner.comment', true);
            END IF;
        ELSIF TG_TABLE_NAME = 'requests' THEN
            what := format('%s request %s ''%s''', CASE TG_OP WHEN 'INSERT' THEN 'Added' WHEN 'DELETE' THEN 'Deleted'
                           ELSE 'Changed' END, key, r ->> 'title');
            IF TG_OP = 'UPDATE' THEN   -- which fields: "Changed request R 'Body cameras': title, rank"
                what := what || ': ' || (SELECT string_agg(n.key, ', ' ORDER BY n.key) FROM jsonb_each(new_row) n
                                         WHERE n.value IS DISTINCT FROM old_row -> n.key
                                           AND n.key NOT IN ('version', 'modified', 'modified_by', 'row_order'));
            END IF;
        ELSIF TG_TABLE_NAME = 'narratives' THEN
            what := format('%s the justification of request %s', CASE TG_OP WHEN 'INSERT' THEN 'Wrote'
                           WHEN 'DELETE' THEN 'Removed' ELSE 'Changed' END, key);
        ELSE
            what := format('%s position ''%s'' in %s', CASE TG_OP WHEN 'INSERT' THEN 'Added' WHEN 'DELETE'
                           THEN 'Removed' ELSE 'Changed' END, r ->> 'title', r ->> 'department');
        END IF;
    END IF;
    INSERT INTO edits (host, session, scenario, scenario_id, department, request_id, action, description, version,
                       before, after)
        VALUES (coalesce(current_setting('kcplanner.host', true), ''),
                coalesce(current_setting('kcplanner.session', true), ''),
                CASE WHEN TG_TABLE_NAME = 'scenarios' THEN key END,
                CASE WHEN TG_TABLE_NAME = 'scenarios' THEN (r ->> 'id')::bigint END,
                r ->> 'department', r ->> 'request_id', act,
                coalesce(CASE WHEN act <> 'move' THEN said END, what),
                CASE WHEN TG_OP <> 'DELETE' THEN (new_row ->> 'version')::int END, b, a)
        RETURNING seq INTO n;
    PERFORM pg_notify('kcplanner', json_build_object(
        'table', TG_TABLE_NAME, 'action', act, 'key', key, 'id', r ->> 'id',
        'version', CASE WHEN TG_OP <> 'DELETE' THEN (new_row ->> 'version')::int END,
        'user', session_user, 'seq', n)::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_change AFTER INSERT OR UPDATE OR DELETE ON scenarios FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER audit_change AFTER INSERT OR UPDATE OR DELETE ON requests FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER audit_change AFTER INSERT OR UPDATE OR DELETE ON narratives FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER audit_change AFTER INSERT OR UPDATE OR DELETE ON positions FOR EACH ROW EXECUTE FUNCTION audit_change();

-- An audit row the app writes itself: a version that lost a conflict (kept in the history), a
-- change of OMB's tables, a scenario moved in the list.  The login and the time are the server's.
CREATE FUNCTION note_event(action text, scenario text, scenario_id bigint, description text, after jsonb)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = kcplanner, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF action NOT IN ('conflict', 'import', 'data', 'update') THEN
        RAISE EXCEPTION 'note_event: % is not an event the app records', action USING ERRCODE = '22023';
    END IF;
    IF action IN ('import', 'data', 'update') AND NOT is_omb() THEN
        RAISE EXCEPTION 'only OMB changes the imported tables' USING ERRCODE = '42501';
    END IF;
    INSERT INTO edits (host, session, scenario, scenario_id, action, description, after)
        VALUES (coalesce(current_setting('kcplanner.host', true), ''),
                coalesce(current_setting('kcplanner.session', true), ''), scenario, scenario_id, action,
                description, after)
        RETURNING seq INTO n;
    PERFORM pg_notify('kcplanner', json_build_object('table', 'edits', 'action', action, 'key', scenario,
                                                     'user', session_user, 'seq', n)::text);
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION note_event(text, text, bigint, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION note_event(text, text, bigint, text, jsonb) TO omb_analyst, department_manager;
REVOKE ALL ON FUNCTION request_rules(), audit_change() FROM PUBLIC;

-- A request moved to another department (by OMB) takes its narrative along.
CREATE FUNCTION narrative_follows_request() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = kcplanner, pg_temp AS $$
BEGIN
    UPDATE narratives SET department = NEW.department WHERE request_id = NEW.request_id;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION narrative_follows_request() FROM PUBLIC;
CREATE TRIGGER narrative_follows_request AFTER UPDATE OF department ON requests
    FOR EACH ROW WHEN (OLD.department IS DISTINCT FROM NEW.department) EXECUTE FUNCTION narrative_follows_request();
