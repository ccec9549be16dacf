"""The harvester registry: kind name → Harvester class, from the `hdcat.harvesters` group."""
from catalog.registry import Registry

harvesters = Registry("hdcat.harvesters")
