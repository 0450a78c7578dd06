"""Network: the land, road, sea and air travel network of an area, built once and weighted per scenario."""
