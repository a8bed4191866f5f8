"""gitops-ml: the runtime library of cookiecutter-gitops-ml projects (model files, validation,
tracking, predict, serve) and the commands behind its GitHub actions."""
