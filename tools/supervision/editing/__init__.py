"""The editing wing: a record's form in the web browser, writing the record's YAML.

Owns ``supervision edit`` (and ``supervision new ... --form``): a small web server on
127.0.0.1 for one person and one record. The page is built from the school's form
definition, the same source as validation, the scaffold, the JSON Schemas and the
printable blank forms (``model``: one control per field type, groups as fieldsets,
actions, decisions and reviews as tables of rows); what the browser posts becomes
the record's new answers, with every unchanged answer kept exactly as the file had
it (``answers``); saving writes only the lines of the answers that changed
(``forms/yamlblocks.py``) and refuses when the file changed on disk since the page
loaded. Checks are `supervision check`'s own (``checker.check_record`` on a temporary
copy while typing, the whole check with the time rules after saving), each finding
shown beside its field (``findings``). The review of last session's actions and a
contract's clauses are pre-filled (``prefill``). "Submit and sign" runs the
command line's own submit, handed in by ``cli/edit.py``; where gpg can only ask for
a passphrase in a terminal the page says so (``pinentry``). ``editor`` is all of
this without HTTP; ``server`` is the Flask application around it: a random token,
then an HttpOnly, SameSite=Strict cookie, the Origin header checked on every POST,
``Content-Security-Policy: default-src 'self'`` on every response, and it stops on
Done, Ctrl+C, SIGTERM or an idle timeout.

Entry points: ``server.serve`` (run the page for one record), ``editor.Editor``
(the page's logic, for tests), ``answers.read_answers`` (posted form -> data),
``prefill.previous_actions`` (shared with ``supervision new``).

Package data: ``templates/`` (Jinja2) and ``static/`` (CSS, and the page's one
small script, written for this project; no build step, nothing from the network).

May import: core, forms, privacy, deadlines, signing, reading.
"""
