"""CrossGuard policy pack for the pipeline's Google Cloud resources.

`pulumi preview --policy-pack policy` runs `__main__.py`, which only instantiates the pack; the rules live in
importable modules (one per resource family) so that tests call each rule's validate function directly.
"""
