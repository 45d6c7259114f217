"""The kit: one agency -> its folder of assets. A plan of jobs, each fingerprinted by its inputs; each
job built through the asset kinds' table; the folder written with its manifest and caption."""
