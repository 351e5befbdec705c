"""The PySpark template: load files into BigQuery under a declared data contract, quarantining bad rows.

Importing this package (or its `contract` and `report` modules) does not import pyspark, so the Pulumi
program and the monitoring can share the contract and the report shape without Spark installed.
"""
