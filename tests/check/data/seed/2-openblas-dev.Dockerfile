# The seed article's "recommended" variant: OpenBLAS headers for NumPy.
FROM alpine:3.21
RUN apk add --no-cache python3 openblas-dev
RUN pip3 install numpy
