# The production image: one image for web (gunicorn), worker and beat.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORTAL_VAR_DIR=/var/lib/portal
WORKDIR /app
RUN useradd --system --home /app portal && mkdir -p /var/lib/portal && chown portal /var/lib/portal

COPY pyproject.toml README.md ./
COPY portal ./portal
COPY terminals ./terminals
COPY tickets ./tickets
RUN pip install --no-cache-dir .
COPY manage.py ./
COPY templates ./templates
COPY static ./static
RUN SECRET_KEY=collectstatic-only STATIC_ROOT=/app/staticfiles python manage.py collectstatic --no-input

ENV STATIC_ROOT=/app/staticfiles
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
