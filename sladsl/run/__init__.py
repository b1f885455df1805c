"""The front ends' shared layer: everything that touches the world outside the library.

It reads user-named files and standard input, keeps work between runs in a folder (`store`), draws progress on
stderr (`progress`), and runs a check over a timeline file with worker processes when asked (`check`, `jobs`),
or on a Dask cluster (`dask`, which schedules the plain steps of `shares`; `sladsl.dask` is its public name).
The library below it takes bytes and records and gives back values; the command line above it chooses what to
run and what to print, and sets the exit code.
"""
