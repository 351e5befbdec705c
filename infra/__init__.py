"""The Pulumi program's components: one module per concern, wired together by __main__.py."""
