"""The Dinas desk on the web: pages under /dinas on `jaring serve`'s one web app.

How a page request travels:
- `routes.py` mounts every page's routes under /dinas, with the static files; `desk.py` holds what
  every page needs (the bot, the templates, the cookie's settings);
- `visit.py` wraps each page: the session cookie → the officer (roles read again, as the chat does
  for every message), the CSRF token on every form, the security headers, 404 for what the officer
  may not see;
- `pages/` holds one module per area of work (verification, approval, broadcasts, figures, files,
  people, cases); a page asks the same desks as the chat (`visit.ask(SomeRequest(...))`, the
  dispatcher's table), so no business rule is written twice;
- `rendering.py` draws the Jinja2 templates in `templates/`, with texts from the catalogs
  (`locales/*/LC_MESSAGES/web*.po`)."""
