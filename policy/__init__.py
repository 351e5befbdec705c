"""CrossGuard policy pack for the pipeline's Google Cloud resources.

`pulumi preview --policy-pack policy` runs `__main__.py`, which only instantiates the pack; the rules live in
importable modules so that tests call each rule's validate function directly: the mandatory rules one module
per resource family (buckets, batches, iam, network), the advisory rules across families in hygiene.py.
"""
