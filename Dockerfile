# Canvass bot image: slim Python, CJK fonts for charts, a non-root user, `canvass run`.
FROM python:3.11-slim

# Noto CJK gives charts glyphs for Chinese/Japanese/Korean labels (too large to ship in the package);
# the emoji font ships with the package itself. Without CJK fonts, charts still render, with boxes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 canvass && mkdir /data && chown canvass /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
COPY charts ./charts
RUN pip install --no-cache-dir .

USER canvass
# Configuration: mount config.toml read-only at /app/config.toml (read from the working directory), or
# point CANVASS_CONFIG at it. Tokens can come from the environment instead (SLACK_BOT_TOKEN, ...).
#
# The master secret must NOT live in /data: a backup of /data taken while a survey is open, together
# with the secret, relinks its answers. Give it from outside, as a mounted secret file:
#   docker run -v ./canvass_secret:/run/secrets/canvass_secret:ro \
#              -e CANVASS_SECRET_FILE=/run/secrets/canvass_secret ...
# (or `secrets:` in docker compose, which mounts at /run/secrets/NAME), or as CANVASS_SECRET. Without
# either, the bot generates /data/master.key and warns at every start.
ENV CANVASS_DATA_DIR=/data \
    MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/data"]
# 3000: Slack HTTP mode (/slack/events, /healthz). 9464: metrics and health ([metrics]); it listens on
# loopback inside the container unless [metrics] host = "0.0.0.0", which only a monitoring network
# should reach.
EXPOSE 3000 9464
# Asks the bot's own /healthz on the metrics listener (on in every mode, loopback by default). The
# start period covers the database retries at start ([database] connect_timeout_seconds).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["canvass", "health"]
ENTRYPOINT ["canvass"]
# With no platform configured and no terminal, `run` exits 2 ("no platform configured; ...");
# `docker run -it IMAGE` gives the console instead.
CMD ["run"]
