"""Views of the model: the Solara live view for trainers (``viz/app.py``) and its figures.

The model never imports this package; the live view builds the same ``PartnershipModel`` the CLI
runs and steps it on screen.
"""
