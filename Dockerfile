# The local Baidu Face server as a container image. Home Assistant's Supervisor builds the add-on
# from this same file (config.yaml and build.yaml beside it).
#   docker build -t baidu-face-server .
#   docker run -d -p 8300:8300 -v baidu-face:/data baidu-face-server --app MY_KEY:MY_SECRET
# Written where no Docker engine runs: tests/server/test_addon.py checks it statically, nothing built it.
ARG BUILD_FROM=docker.io/library/python:3.14-slim
FROM ${BUILD_FROM}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# dlib comes as the prebuilt dlib-bin wheel, ONNX Runtime as its own (both amd64 and aarch64): nothing is compiled.
COPY requirements.txt /app/requirements.txt
RUN pip install --only-binary=dlib-bin,numpy,pillow,onnxruntime -r /app/requirements.txt

# The server runs as its own user; the database lives in the /data volume it owns.
RUN useradd --system --user-group --uid 1000 --home-dir /app --no-create-home app \
    && mkdir /data \
    && chown app:app /data
COPY baidu_face_server /app/baidu_face_server
COPY run.sh /app/run.sh
VOLUME /data
EXPOSE 8300

# Any HTTP answer means the server is up (it loads dlib's models first, hence the start period).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import http.client as h; c = h.HTTPConnection('127.0.0.1', 8300, timeout=4); c.request('GET', '/'); c.getresponse()"]

# build.yaml sets this to root for the add-on only: the Supervisor hands add-ons a root-owned /data.
ARG RUN_AS=app
USER ${RUN_AS}
WORKDIR /app
ENTRYPOINT ["sh", "/app/run.sh"]
