"""Keras 3 (TensorFlow backend) NN for KKBox: embeddings of the categorical ids + dense numeric features.

In the spirit of the 1st-place WSDM Cup 2018 NN: every categorical code gets an embedding, user-song and
user-artist embedding dot products add explicit interactions, numeric features are log-scaled and
standardised, and an MLP on the concatenation predicts P(target = 1). TensorFlow is imported inside the
model so that importing this module stays cheap. Runs on the GPU when TensorFlow sees one.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import polars as pl

from .base import BinaryClassifier, FeatureSpec

log = logging.getLogger(__name__)

INTERACTIONS = (("msno_code", "song_id_code"), ("msno_code", "artist_name_code"))
PREDICT_BATCH = 8192


def _signed_log(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


class KerasNNClassifier(BinaryClassifier):
    def __init__(self, embedding_dim: int = 16, hidden_units: list[int] = (128, 32), dropout: float = 0.2,
                 learning_rate: float = 0.002, batch_size: int = 4096, epochs: int = 2, seed: int = 0,
                 threads: int = 1):
        self.embedding_dim = embedding_dim
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.seed = seed
        self.threads = threads

    def _numeric(self, frame: pl.DataFrame) -> np.ndarray:
        """The numeric features as one float32 matrix: sign(x) log(1 + |x|), standardised with the
        training split's mean and std, missing values 0. Computed one column at a time in float64,
        so that no float64 copy of the whole matrix is ever held."""
        fitting = not hasattr(self, "mean_")
        if fitting:
            self.mean_ = np.empty(len(self.spec_.numeric))
            self.std_ = np.empty(len(self.spec_.numeric))
        numeric = np.empty((frame.height, len(self.spec_.numeric)), dtype=np.float32)
        for j, col in enumerate(self.spec_.numeric):
            values = _signed_log(frame[col].to_numpy().astype(np.float64))
            if fitting:
                self.mean_[j] = np.nanmean(values)
                self.std_[j] = np.nanstd(values) + 1e-6
            numeric[:, j] = np.nan_to_num((values - self.mean_[j]) / self.std_[j], nan=0.0)
        return numeric

    def _inputs(self, frame: pl.DataFrame) -> dict[str, np.ndarray]:
        inputs = {"numeric": self._numeric(frame)}
        for col, cardinality in self.spec_.categorical.items():
            inputs[col] = np.clip(frame[col].to_numpy(), 0, cardinality - 1).astype(np.int32)
        return inputs

    def _build(self, n_numeric: int):
        import keras
        from keras import layers

        cat_inputs = {c: keras.Input(shape=(), dtype="int32", name=c) for c in self.spec_.categorical}
        numeric_input = keras.Input(shape=(n_numeric,), dtype="float32", name="numeric")
        embedded = {
            c: layers.Embedding(card, self.embedding_dim, name=f"emb_{c}")(cat_inputs[c])
            for c, card in self.spec_.categorical.items()
        }
        dots = [
            layers.Dot(axes=1, name=f"dot_{a}_{b}")([embedded[a], embedded[b]])
            for a, b in INTERACTIONS if a in embedded and b in embedded
        ]
        x = layers.Concatenate()([*embedded.values(), *dots, numeric_input])
        for units in self.hidden_units:
            x = layers.Dense(units, activation="relu")(x)
            x = layers.Dropout(self.dropout, seed=self.seed)(x)
        output = layers.Dense(1, activation="sigmoid")(x)
        model = keras.Model(inputs={**cat_inputs, "numeric": numeric_input}, outputs=output)
        model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate), loss="binary_crossentropy",
            metrics=[keras.metrics.AUC(name="auc")],
        )
        return model

    def fit(self, features: pl.DataFrame, labels: np.ndarray, spec: FeatureSpec,
            groups: np.ndarray | None = None) -> "KerasNNClassifier":
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        import keras
        import tensorflow as tf

        from ..seeding import seed_everything

        tf.config.threading.set_intra_op_parallelism_threads(self.threads)
        tf.config.threading.set_inter_op_parallelism_threads(self.threads)
        seed_everything(self.seed)
        log.info("TensorFlow devices: %s", [d.name for d in tf.config.list_logical_devices()])
        self.spec_ = spec
        inputs = self._inputs(features)
        self.model_ = self._build(inputs["numeric"].shape[1])
        log.info("Keras NN: %d rows, %d params, %d epochs", features.height, self.model_.count_params(),
                 self.epochs)
        self.model_.fit(
            self._training_batches(tf, inputs, labels.astype(np.float32)), epochs=self.epochs, shuffle=False,
            verbose=0, callbacks=[keras.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs: log.info(
                    "epoch %d/%d: loss %.4f, train AUC %.4f", epoch + 1, self.epochs, logs["loss"], logs["auc"]
                )
            )],
        )
        return self

    def _training_batches(self, tf, inputs: dict[str, np.ndarray], labels: np.ndarray):
        """Shuffled training batches (a new permutation of the rows each epoch, seeded), gathered from
        ``inputs`` one batch at a time, so that TensorFlow never holds a copy of the whole split."""
        order = np.random.default_rng(self.seed)

        def batches():
            rows = order.permutation(len(labels))
            for start in range(0, len(labels), self.batch_size):
                batch = rows[start:start + self.batch_size]
                yield {name: values[batch] for name, values in inputs.items()}, labels[batch]

        signature = (
            {name: tf.TensorSpec((None, *values.shape[1:]), tf.as_dtype(values.dtype)) for name, values in inputs.items()},
            tf.TensorSpec((None,), tf.float32),
        )
        n_batches = -(-len(labels) // self.batch_size)
        dataset = tf.data.Dataset.from_generator(batches, output_signature=signature)
        return dataset.apply(tf.data.experimental.assert_cardinality(n_batches)).prefetch(2)

    def score(self, features: pl.DataFrame) -> np.ndarray:
        """P(target = 1) per row, predicted PREDICT_BATCH rows at a time."""
        scores = [
            np.asarray(self.model_.predict_on_batch(self._inputs(features.slice(start, PREDICT_BATCH)))).ravel()
            for start in range(0, features.height, PREDICT_BATCH)
        ]
        return np.concatenate(scores).astype(np.float64) if scores else np.empty(0)
