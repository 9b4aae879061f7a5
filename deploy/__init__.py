"""Running RegioMonitor as several replicas behind nginx: locally (``python -m deploy.local``) or in containers
(``deploy/docker-compose.yml``), from one nginx template (``deploy/nginx.py``)."""
