"""An S3-compatible store for tests: moto's server on a free local port, and a bucket the
attachments' storage is pointed at (config.settings.base.attachments_storage reads the
AWS_* environment as a deployment would)."""

from contextlib import contextmanager

import boto3

from config.settings.base import attachments_storage


@contextmanager
def s3_server():
    """moto's S3-compatible server; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def attachments_bucket(endpoint: str, name: str, settings, monkeypatch):
    """Create bucket `name` at `endpoint` and make it the attachments' storage; returns a
    boto3 client of the server."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": attachments_storage(name, settings.BASE_DIR),
    }
    return client
