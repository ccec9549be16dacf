"""The harvester registry: kind name → Harvester class, from the `hdcat.harvesters` group."""
from hdcat.catalog.registry import Registry

harvesters = Registry("hdcat.harvesters")
