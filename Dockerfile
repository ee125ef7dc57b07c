FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY classifier ./classifier
COPY routing ./routing
COPY dashboard ./dashboard
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["yuqing", "serve", "--host", "0.0.0.0"]
