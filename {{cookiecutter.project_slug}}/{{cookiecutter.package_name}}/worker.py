{%- extends "functions/sqs.py.j2" %}
{#- The SQS function skeleton `slsguard add --trigger sqs` writes (templates/functions/sqs.py.j2), with the worker's
    own summary and example work. #}
{% block summary %}The SQS consumer (handler ``{{ cookiecutter.package_name }}/worker.handler``): one function per message.{% endblock %}
{% block batch %}, so one bad message does not retry the whole batch.{% endblock %}
{% block process %}    """Handle one message; raise to send it back to the queue (and to the DLQ after maxReceiveCount).

    Log extras must not reuse LogRecord attribute names ("name", "message", "msg", ...): logging refuses them.
    """
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise ValueError('a message must be a JSON object with a string "name"')
{%- if cookiecutter.database != "none" %}
    from . import db

    db.execute("INSERT INTO items (name) VALUES (%s)", [body["name"].strip()[:100]])
{%- endif %}
    logger.info("processed a message", extra={"message_id": record.get("messageId"), "item_name": body["name"][:100]})
{% endblock %}
