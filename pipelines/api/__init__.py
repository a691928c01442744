"""The ingest API (`backlot api`): producers that push, such as render-farm webhooks and social
collectors, send files over HTTP into the landing zone. `app.create_app` builds it; the
engine (`pipelines.lib`) never imports it, and it never imports Dagster.
"""
