"""The Streamlit page over :mod:`assistant`: rendering, uploads and the rebuild job.

Everything here is presentation. Retrieval, indexing and answering live in the library.
"""
