"""The Telegram front-end: a python-telegram-bot Application over one `answer(question, conversation)`.

app.py builds it (handler table), handlers.py holds the handlers, state.py the chat state store; polling.py and
webhook.py are the two entry points; command.py the `qabot telegram` commands. Nothing is imported here: the CLI
stays free of telegram until the bot runs.
"""
