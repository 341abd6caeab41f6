"""Code shared by every Lambda function of the support agent.

Each function's package (``functions/<name>/``) holds one small handler; everything they share lives
here, once. Terraform packages this folder into every function's zip.
"""
