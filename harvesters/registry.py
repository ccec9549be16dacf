"""The harvester registry: kind name → Harvester class, from the `hdcat.harvesters` group."""

from hdcat.catalog import HARVESTERS, Registry

harvesters = Registry(HARVESTERS)
