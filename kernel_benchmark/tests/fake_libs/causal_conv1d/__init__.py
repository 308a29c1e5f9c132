# A causal-conv1d built against another torch: it is installed, but importing it fails.
raise ImportError("causal_conv1d_cuda.cpython-311-x86_64-linux-gnu.so: undefined symbol: _ZN3c104cuda9SetDeviceEi")
