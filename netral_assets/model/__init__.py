"""The model: files in, plain objects out, nothing drawn. The campaign pack (`pack`), the registry of
agencies (`agencies`), the statistics with their sources (`statistics`), the designs and their formats
(`designs`), units of print (`units`) and Indonesian formatting of numbers and dates (`formatting`).
Imports nothing above itself."""
