# docparse API and worker image (same image, different command; see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OMP_THREAD_LIMIT=1

WORKDIR /app

# OCR engine for scanned pages, with the languages of scripts/ocr-languages: the same list
# `make up` installs (scripts/ocr-packages.sh turns it into package names for both).
COPY scripts/ocr-languages scripts/ocr-packages.sh scripts/
RUN apt-get update \
 && apt-get install -y --no-install-recommends $(sh scripts/ocr-packages.sh) \
 && rm -rf /var/lib/apt/lists/*

# Office documents (DOCX, XLSX, ODT, ODS, RTF, HTML) to PDF at upload (documents/convert.py).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libreoffice-core libreoffice-writer libreoffice-calc \
      fonts-liberation2 fonts-crosextra-carlito \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 docparse

COPY . /app
RUN pip install /app

USER docparse
ENV HOME=/home/docparse
EXPOSE 8000
CMD ["docparse", "api", "--host", "0.0.0.0", "--port", "8000"]
