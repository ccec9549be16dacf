"""The harvester registry: kind name → Harvester class, from the `hdcat.harvesters` group."""
from hdcat.catalog import HARVESTERS
from hdcat.catalog import Registry

harvesters = Registry(HARVESTERS)
