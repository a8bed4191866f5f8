"""gitops-ml: the logic of the cookiecutter-gitops-ml GitHub actions, usable locally too."""
