# Canvass bot image: slim Python, fonts for non-Latin charts, a non-root user, `canvass run`.
FROM python:3.11-slim

# Noto CJK and Symbola give charts glyphs for Chinese/Japanese/Korean and emoji; without them the
# charts still render, with boxes for missing glyphs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-symbola \
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
ENV CANVASS_DATA_DIR=/data \
    MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/data"]
# HTTP mode listens here (/slack/events, /healthz, /metrics).
EXPOSE 3000
ENTRYPOINT ["canvass"]
CMD ["run"]
