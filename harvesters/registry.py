"""The harvester registry: kind name → Harvester class, from the `hdcat.harvesters` group."""
from hdcat.catalog.extension_points import HARVESTERS
from hdcat.catalog.registry import Registry

harvesters = Registry(HARVESTERS)
