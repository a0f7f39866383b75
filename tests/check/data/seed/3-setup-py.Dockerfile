# The seed article's from-source variant: clone NumPy and run setup.py.
FROM alpine:3.21
RUN apk add --no-cache python3-dev openblas-dev g++ make
RUN git clone https://github.com/numpy/numpy.git /numpy
WORKDIR /numpy
RUN python3 setup.py install --parallel=4
